"""Checks that the Debian packages the synthesiser uses are installed, naming the package and its install command."""
import importlib
import os
import shutil


class MissingPackage(RuntimeError):
    """A Debian package the synthesiser needs is not installed."""


def _missing(what, package):
    return MissingPackage(f"{what}: install the Debian package {package} (apt-get install -y {package})")


def need_file(path, package):
    """`path` if it exists, else MissingPackage naming the Debian `package` that ships it."""
    if not os.path.exists(path):
        raise _missing(f"{path} not found", package)
    return path


def need_command(name, package):
    """The full path of the program `name` on PATH, else MissingPackage naming its Debian `package`."""
    found = shutil.which(name)
    if not found:
        raise _missing(f"{name} not found", package)
    return found


def need_module(name, package):
    """The Python module `name` imported, else MissingPackage naming its Debian `package`."""
    try:
        return importlib.import_module(name)
    except ImportError:
        raise _missing(f"no Python module {name}", package) from None
