"""The citizen chat on the town's website: the hotline's dialog (rathaus.dialog) over text.

A public page (/chat, no login), an embed snippet (/chat/embed.js) that puts it in an iframe on
the town's own pages, and a small JSON API the page talks to. Conversations are stored as calls
with channel 'web' (rathaus/migrations/0600_webchat.sql), so review, search, gaps, dashboard,
retention and privacy requests cover them. Nothing here needs or reads a login.
"""
