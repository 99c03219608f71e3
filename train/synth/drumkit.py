"""Drums from real samples: Hydrogen drum kits (Debian hydrogen-drumkits) played at General MIDI drum notes."""
import functools
import os
import re
import xml.etree.ElementTree as ET

import numpy as np

from . import SAMPLE_RATE
from .audio import read_audio

KITS_DIR = "/usr/share/hydrogen/data/drumkits"
PERCUSSION_KIT = "Gimme A Hand 1.0"  # hand percussion, played for latin GM notes a drum kit lacks
NOT_DRUM_KITS = (PERCUSSION_KIT, "circAfrique v4")  # djembes and hand percussion only
# Instrument name -> role, first match wins (cowbell before bell, rim click before snare, ...).
ROLES = [
    ("cowbell", r"cowbell"), ("tambourine", r"tambourine"), ("maraca", r"maraca|shake"), ("clave", r"clave"),
    ("woodblock_hi", r"woodblock ?hi"), ("woodblock_lo", r"woodblock ?lo"), ("bongo_hi", r"bongo ?hi"),
    ("bongo_lo", r"bongo ?lo"), ("kick", r"kick|bass ?drum|\bbd\b"), ("stick", r"stick|rim ?click"),
    ("clap", r"clap"), (None, r"roll"), ("snare", r"snare"), ("hh_pedal", r"^(?=.*(hat|hh)).*(pedal|\bpd\b)"),
    ("hh_open", r"^(?=.*(hat|hh)).*(open|semi|\bop\b)"), ("hh_closed", r"hat|hh"),
    ("crash", r"crash|china|splash|cymbal"), ("ride_bell", r"bell|cup"), ("ride", r"ride"),
    ("tom_low", r"floor|\btom ?lo|low tom"), ("tom_high", r"\btom ?hi|high tom"), ("tom_mid", r"\btom"),
]
GM_ROLES = {35: "kick", 36: "kick", 37: "stick", 38: "snare", 39: "clap", 40: "snare", 41: "tom_low", 42: "hh_closed",
            43: "tom_low", 44: "hh_pedal", 45: "tom_mid", 46: "hh_open", 47: "tom_mid", 48: "tom_high", 49: "crash",
            50: "tom_high", 51: "ride", 52: "crash", 53: "ride_bell", 54: "tambourine", 55: "crash", 56: "cowbell",
            57: "crash", 59: "ride", 60: "bongo_hi", 61: "bongo_lo", 62: "bongo_hi", 63: "bongo_hi", 64: "bongo_lo",
            65: "bongo_hi", 66: "bongo_lo", 67: "cowbell", 68: "cowbell", 69: "maraca", 70: "maraca", 75: "clave",
            76: "woodblock_hi", 77: "woodblock_lo"}
STAND_INS = {"stick": ["snare"], "clap": ["snare"], "hh_pedal": ["hh_closed"], "hh_open": ["hh_closed"],
             "hh_closed": ["hh_pedal"], "tom_low": ["tom_mid", "tom_high"], "tom_mid": ["tom_low", "tom_high"],
             "tom_high": ["tom_mid", "tom_low"], "crash": ["ride"], "ride": ["ride_bell", "crash"],
             "ride_bell": ["ride"]}
ESSENTIAL = ("kick", "snare", "hh_closed")
HIHATS = ("hh_closed", "hh_pedal", "hh_open")  # one voice: a new hi-hat note chokes the ringing one
CHOKE_SAMPLES = 441  # 10 ms fade of a choked hi-hat
# Peak level (dB) of each role's hits at full velocity: a mixing engineer's balance, the same for every kit.
ROLE_DB = {"kick": 0, "snare": -1, "stick": -8, "clap": -4, "hh_closed": -9, "hh_pedal": -10, "hh_open": -9,
           "tom_low": -3, "tom_mid": -3, "tom_high": -3, "crash": -8, "ride": -10, "ride_bell": -10}
PERCUSSION_DB = -10  # every other role (cowbell, tambourine, bongos, ...)
BALANCE_SPREAD_DB = 2.0  # per song, each role's level varies by up to this much
VELOCITY_FLOOR = 0.4  # peak of a hit at the lowest velocity relative to the highest (layers add the timbre change)


def role_of(name):
    """The GM-ish role of a Hydrogen instrument from its name, or None."""
    for role, pattern in ROLES:
        if re.search(pattern, name, re.IGNORECASE):
            return role
    return None


def _tag(element):
    return element.tag.rsplit("}", 1)[-1]  # drop the XML namespace some kits declare


def _child(element, name, default=None):
    found = next((c for c in element if _tag(c) == name), None)
    return default if found is None or found.text is None else found.text


@functools.lru_cache(maxsize=None)
def parse_kit(kit_dir):
    """drumkit.xml -> {role: [instrument]}, each instrument a dict with name, pan (left, right gains) and layers
    [(min velocity, max velocity 0-1, sample path)]; instruments without a role or samples are left out.

    The kit's own gains are not used: ROLE_DB balances every kit alike. Cached: callers must not change it."""
    root = ET.parse(os.path.join(kit_dir, "drumkit.xml")).getroot()
    roles = {}
    for inst in (e for e in root.iter() if _tag(e) == "instrument"):
        name = _child(inst, "name", "")
        role = role_of(name)
        layers = [l for l in inst.iter() if _tag(l) == "layer"] or [inst]  # old kits: one file per instrument
        layers = [(float(_child(l, "min", 0)), float(_child(l, "max", 1)), os.path.join(kit_dir, _child(l, "filename")))
                  for l in layers if _child(l, "filename")]
        layers = [l for l in layers if os.path.exists(l[2])]
        if role is None or not layers:
            continue
        pan = (float(_child(inst, "pan_L", 1)), float(_child(inst, "pan_R", 1)))
        roles.setdefault(role, []).append({"name": name, "pan": pan, "layers": layers})
    return roles


def drum_kits(kits_dir=KITS_DIR):
    """Names of the installed Hydrogen kits that have a kick, a snare and a closed hi-hat."""
    if not os.path.isdir(kits_dir):
        return []
    names = [k for k in sorted(os.listdir(kits_dir))
             if k not in NOT_DRUM_KITS and os.path.exists(os.path.join(kits_dir, k, "drumkit.xml"))]
    return [k for k in names if all(r in parse_kit(os.path.join(kits_dir, k)) for r in ESSENTIAL)]


class Player:
    """One instrument per role, chosen at random from a kit (and the percussion kit for latin roles it lacks)."""

    def __init__(self, kit, rng, kits_dir=KITS_DIR):
        roles = parse_kit(os.path.join(kits_dir, kit))
        percussion = os.path.join(kits_dir, PERCUSSION_KIT)
        if os.path.isdir(percussion):
            roles = {**parse_kit(percussion), **roles}
        self.instruments = {role: insts[rng.integers(len(insts))] for role, insts in roles.items()}
        self.levels = {role: 10 ** ((ROLE_DB.get(role, PERCUSSION_DB) + rng.uniform(-1, 1) * BALANCE_SPREAD_DB) / 20)
                       for role in self.instruments}
        self.samples = {}  # sample path -> float32 [2, samples]

    def _load(self, path):
        if path not in self.samples:
            self.samples[path] = read_audio(path)
        return self.samples[path]

    def role(self, note):
        """The role that plays GM drum `note` in this kit (a stand-in when it lacks the note's own), or None."""
        role = GM_ROLES.get(note)
        return next((r for r in [role] + STAND_INS.get(role, []) if r in self.instruments), None)

    def sample(self, role, velocity):
        """The layer of the `role` instrument for MIDI `velocity` (1-127) -> float32 [2, samples], panned as in the
        kit and peaking at the role's level times VELOCITY_FLOOR + (1 - VELOCITY_FLOOR) * velocity / 127."""
        inst, v = self.instruments[role], velocity / 127
        layer = next((l for l in inst["layers"] if l[0] <= v <= l[1]), inst["layers"][0])
        sound = self._load(layer[2])
        pan = np.array(inst["pan"], dtype=np.float32)[:, None]
        peak = max(float(np.abs(sound).max()), 1e-4)
        return sound * (self.levels[role] * (VELOCITY_FLOOR + (1 - VELOCITY_FLOOR) * v) / peak) * pan

    def play(self, hits, samples):
        """Drum hits [(seconds, GM note, velocity)] -> float32 [2, samples]; notes the kit cannot play are skipped.

        Hi-hats are one voice: a new hi-hat note fades out the one still ringing over CHOKE_SAMPLES."""
        out, hats = np.zeros((2, samples), np.float32), np.zeros((2, samples), np.float32)
        fade = np.linspace(1, 0, CHOKE_SAMPLES, dtype=np.float32)
        ring_end = 0  # where the last hi-hat sample ends in `hats`
        for seconds, note, velocity in hits:
            role = self.role(note)
            start = int(round(seconds * SAMPLE_RATE))
            if role is None or start >= samples:
                continue
            sound = self.sample(role, velocity)[:, : samples - start]
            end = start + sound.shape[1]
            if role in HIHATS:
                fade_end = min(start + CHOKE_SAMPLES, ring_end)
                if fade_end > start:
                    hats[:, start:fade_end] *= fade[: fade_end - start]
                    hats[:, fade_end:ring_end] = 0
                hats[:, start:end] += sound
                ring_end = end
            else:
                out[:, start:end] += sound
        return out + hats
