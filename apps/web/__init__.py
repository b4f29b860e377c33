"""The review web page (aiohttp): calls, meetings, search, corrections and catalog gaps."""
