"""The dialog brain, free of any channel: facets (what is asked about a service), offices (hours,
phone, address), the conversation's state across turns, and the engine that turns one caller
utterance into one decision. The phone (voice.phone.dialog) and the text chat (`rathaus chat`)
adapt it; nothing here imports voice/ or meetings/.
"""

from rathaus.dialog.engine import DialogEngine
from rathaus.dialog.state import ConversationState

__all__ = ["DialogEngine", "ConversationState"]
