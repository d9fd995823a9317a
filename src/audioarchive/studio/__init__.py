"""The organiser's studio: times on the recording (``times``) and the local web app (``studio``).

:mod:`.times` reads the analysis pass into speech, pauses and likely speaker changes, and
converts between raw and published times; the web app lives in :mod:`.app` (Starlette)
and is served by :mod:`.server` (uvicorn).
"""
