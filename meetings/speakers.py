"""Voice profiles: enroll a named voice once, recognise it in later meetings.

A profile is the mean speaker embedding (from the diarization engine's embedding model) of some
seconds of one person's speech, stored in `voice_profiles`. In a new meeting each diarization
label's embedding is compared (cosine) with the profiles of the same model; labels and names are
paired one-to-one (Hungarian assignment) where the similarity reaches the threshold. Other labels
are shown as "Sprecher 1", "Sprecher 2", ... (prompts key meetings.speaker_unknown) in order of
first appearance.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import prompts
from meetings.transcript import Turn
from rathaus.errors import RathausError
from rathaus.store import Store, now_iso

MIN_ENROLL_SECONDS = 3.0


@dataclass
class Profile:
    id: int
    name: str
    model: str
    embedding: np.ndarray
    created_at: str
    seconds: float | None = None
    source: str | None = None

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "model": self.model, "created_at": self.created_at,
                "seconds": self.seconds, "source": self.source, "dim": int(self.embedding.size)}


@dataclass
class SpeakerName:
    label: str
    name: str
    profile_id: int | None = None
    similarity: float | None = None


def _normalize(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32).ravel()
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(_normalize(a), _normalize(b)))


def unknown_name(n: int, language: str = "de") -> str:
    """The shown name of the n-th unidentified speaker ("Sprecher 1")."""
    try:
        return prompts.text("meetings.speaker_unknown", language, n=n)
    except prompts.PromptError:
        # minutes prompts not installed: fall back to the diarization-neutral label
        return f"SPEAKER {n}"


def enroll(store: Store, diarizer, name: str, paths: list[str | Path]) -> Profile:
    """Store a voice profile for `name` from one or more recordings of that person alone."""
    from rathaus.speech import audio as audio_io

    name = name.strip()
    if not name:
        raise RathausError("the speaker name is empty")
    if not paths:
        raise RathausError("give at least one audio file of the speaker")
    chunks = [audio_io.decode(p, 16000) for p in paths]
    samples = np.concatenate(chunks)
    seconds = len(samples) / 16000
    if seconds < MIN_ENROLL_SECONDS:
        raise RathausError(f"{seconds:.1f} s of audio is too short to enroll a voice (at least {MIN_ENROLL_SECONDS:.0f} s)")
    embedding = diarizer.embed(samples)
    if embedding is None:
        raise RathausError("no speech found in the enrollment audio")
    row = {
        "name": name, "model": diarizer.embedding_model,
        "embedding": _normalize(embedding).astype("<f4").tobytes(), "created_at": now_iso(),
        "seconds": round(seconds, 2), "source": json.dumps([Path(p).name for p in paths], ensure_ascii=False),
    }
    table = store.db["voice_profiles"]
    table.insert(row)
    return get_profile(store, table.last_pk)


def _row_to_profile(row: dict) -> Profile:
    return Profile(row["id"], row["name"], row["model"], np.frombuffer(row["embedding"], dtype="<f4").copy(),
                   row["created_at"], row.get("seconds"), row.get("source"))


def get_profile(store: Store, profile_id: int) -> Profile:
    rows = list(store.db.query("SELECT * FROM voice_profiles WHERE id = ?", [profile_id]))
    if not rows:
        raise RathausError(f"no voice profile with id {profile_id}")
    return _row_to_profile(rows[0])


def list_profiles(store: Store, model: str | None = None) -> list[Profile]:
    sql, params = "SELECT * FROM voice_profiles", []
    if model:
        sql, params = sql + " WHERE model = ?", [model]
    return [_row_to_profile(r) for r in store.db.query(sql + " ORDER BY name, id", params)]


def delete_profiles(store: Store, name_or_id: str) -> int:
    """Delete the profile with this id, or all profiles of this name; returns how many."""
    if name_or_id.isdigit():
        cur = store.conn.execute("DELETE FROM voice_profiles WHERE id = ?", [int(name_or_id)])
    else:
        cur = store.conn.execute("DELETE FROM voice_profiles WHERE name = ?", [name_or_id])
    store.conn.commit()
    return cur.rowcount


def name_speakers(
    embeddings: dict[str, np.ndarray],
    turns: list[Turn],
    profiles: list[Profile],
    threshold: float,
    language: str = "de",
) -> dict[str, SpeakerName]:
    """Shown name for every label in `turns`: a matched profile name, else "Sprecher N"."""
    from scipy.optimize import linear_sum_assignment

    order: list[str] = []
    for t in sorted(turns, key=lambda t: t.start):
        if t.speaker not in order:
            order.append(t.speaker)
    for label in embeddings:
        if label not in order:
            order.append(label)
    # one vector per enrolled person (mean of that person's profiles)
    by_name: dict[str, list[Profile]] = {}
    for p in profiles:
        by_name.setdefault(p.name, []).append(p)
    names = list(by_name)
    person_vecs = [_normalize(np.mean([_normalize(p.embedding) for p in by_name[n]], axis=0)) for n in names]
    labels = [l for l in order if l in embeddings]
    result: dict[str, SpeakerName] = {}
    if labels and names:
        sim = np.array([[cosine(embeddings[l], v) for v in person_vecs] for l in labels])
        rows, cols = linear_sum_assignment(-sim)
        for r, c in zip(rows, cols):
            if sim[r, c] >= threshold:
                result[labels[r]] = SpeakerName(labels[r], names[c], by_name[names[c]][0].id, round(float(sim[r, c]), 4))
    n = 0
    for label in order:
        if label not in result:
            n += 1
            result[label] = SpeakerName(label, unknown_name(n, language))
    return result
