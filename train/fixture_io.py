"""Helpers shared by the scripts that write the test fixtures under test/fixtures (make_*_fixture.py)."""
import base64
import json
import os

import numpy as np


def b64(a: np.ndarray) -> str:
    """An array as float32 little-endian bytes in base64 (read by base64Floats in test/dsp/signals.ts)."""
    return base64.b64encode(np.ascontiguousarray(a, dtype='<f4').tobytes()).decode('ascii')


def write_fixture(name: str, data: dict) -> str:
    """Writes test/fixtures/<name> atomically (relative to the repository root, the working directory)."""
    path = os.path.join('test', 'fixtures', name)
    with open(path + '.tmp', 'w') as f:
        json.dump(data, f)
    os.replace(path + '.tmp', path)
    return path
