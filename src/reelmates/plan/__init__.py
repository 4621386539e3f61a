"""Planning a night, as pure rules: proposals and their poll, time zones, and the calendar.

No database, no clock, no network: times arrive as arguments (UTC datetimes with their IANA zone
named beside them) and results are plain values or bytes. ``services.nights`` stores and loads;
this package decides.

- :mod:`.rules`: what a proposal may be (2 to 5 times to come, a place), the states of a night.
- :mod:`.poll`: the answers to a time poll counted, and the best times among them.
- :mod:`.zones`: IANA zone names checked, local wall-clock times to UTC and back.
- :mod:`.calendar`: an iCalendar document (``METHOD:PUBLISH``) from plain event data.
"""
