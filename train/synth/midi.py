"""mma's MIDI output split into the stems' parts (drums, bass, other), truncated and with random GM programs."""
import os
import subprocess

from .debian import need_command, need_module

DRUM_CHANNEL = 9  # MIDI channel 10, 0-based
BASS_TRACKS = ("bass", "walk")  # mma names tracks after their kind: Bass-*, Walk-* play chord roots ...
BASS_MAX_MEDIAN_NOTE = 50  # ... but only low ones are bass lines (Bass-Trp, Bass-Sus, Bass-Guitar sit near C4)
BASS_PROGRAMS = list(range(32, 40))
# GM programs (0-based) for "other": pianos, chromatic percussion, organs, guitars, strings and ensembles (no
# timpani, no orchestra hit), brass, reeds, pipes, synth leads and pads.
OTHER_PROGRAMS = [p for p in range(0, 96) if not 32 <= p < 40 and p not in (47, 55)]
PARTS = ("drums", "bass", "other")


def mido():
    """The MIDI file library (Debian python3-mido)."""
    return need_module("mido", "python3-mido")


def mma():
    """Path of the mma program (Debian mma)."""
    return need_command("mma", "mma")


def run_mma(sheet, workdir):
    """Writes the mma chord sheet (text) to `workdir` and returns the path of the MIDI file mma makes of it."""
    src = os.path.join(workdir, "song.mma")
    with open(src, "w") as f:
        f.write(sheet)
    out = os.path.join(workdir, "song.mid")
    env = {**os.environ, "PYTHONHASHSEED": "0"}  # mma is Python: fixed set orders, so RndSeed repeats the song
    r = subprocess.run([mma(), "-f", out, src], capture_output=True, text=True, env=env)
    if r.returncode != 0 or not os.path.exists(out):
        raise RuntimeError(f"mma failed on {src}: {r.stdout}{r.stderr}")
    return out


def part_of(track):
    """'drums', 'bass', 'other', or None for a track without notes (mma's tempo/meta track)."""
    starts = [m for m in track if m.type == "note_on" and m.velocity > 0]
    if not starts:
        return None
    if any(m.channel == DRUM_CHANNEL for m in starts):
        return "drums"
    low = sorted(m.note for m in starts)[len(starts) // 2] <= BASS_MAX_MEDIAN_NOTE
    return "bass" if low and track.name.lower().startswith(BASS_TRACKS) else "other"


def _truncated(track, end_tick):
    """A copy of `track` with no note starts or controller changes after `end_tick` (note ends are kept)."""
    out, tick, kept_tick = mido().MidiTrack(), 0, 0
    for msg in track:
        tick += msg.time
        starts = msg.type == "note_on" and msg.velocity > 0
        if tick > end_tick and (starts or msg.type not in ("note_on", "note_off", "end_of_track")):
            continue
        out.append(msg.copy(time=tick - kept_tick))
        kept_tick = tick
    return out


def _with_program(track, program):
    """`track` with every program change set to `program` (one is added at the start if it has none)."""
    channel = next(m.channel for m in track if m.type == "note_on")  # mma gives each track its own channel
    out = mido().MidiTrack(m.copy(program=program) if m.type == "program_change" else m for m in track)
    if not any(m.type == "program_change" for m in track):
        out.insert(0, mido().Message("program_change", channel=channel, program=program, time=0))
    return out


def split_parts(path, seconds, bpm, rng):
    """mma's MIDI file -> ({part: mido.MidiFile}, {track name: GM program}): each part holds the meta tracks and
    its own tracks, with note starts only in the first `seconds` (at the constant tempo `bpm`) and random bass /
    other GM programs."""
    song = mido().MidiFile(path)
    end_tick = int(seconds * bpm / 60 * song.ticks_per_beat)
    meta = [t for t in song.tracks if part_of(t) is None]
    parts = {p: mido().MidiFile(type=1, ticks_per_beat=song.ticks_per_beat) for p in PARTS}
    programs = {}
    for p in parts.values():
        p.tracks.extend(_truncated(t, end_tick) for t in meta)
    for track in song.tracks:
        part = part_of(track)
        if part is None:
            continue
        if part != "drums":
            programs[track.name] = int(rng.choice(BASS_PROGRAMS if part == "bass" else OTHER_PROGRAMS))
            track = _with_program(track, programs[track.name])
        parts[part].tracks.append(_truncated(track, end_tick))
    return parts, programs


def note_count(midi):
    """Number of note starts in a mido.MidiFile."""
    return sum(1 for t in midi.tracks for m in t if m.type == "note_on" and m.velocity > 0)


def drum_hits(midi):
    """Drum note starts of a mido.MidiFile as (seconds, GM note, velocity 1-127), in time order."""
    hits, now = [], 0.0
    for msg in midi:  # merged over tracks, msg.time in seconds (tempo changes applied)
        now += msg.time
        if msg.type == "note_on" and msg.velocity > 0 and msg.channel == DRUM_CHANNEL:
            hits.append((now, msg.note, msg.velocity))
    return hits
