"""Evaluation of the meeting text rules on real and written data; never imported by production
code. karlsruhe: the vote rules on the Karlsruhe minutes (dev / held-out split); spoken: the
vote rules on the spoken-style passages in bench/data/."""
