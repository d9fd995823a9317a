"""Importing an existing podcast: its feed (:mod:`.feed`), our files for it (:mod:`.plan`),
the downloads (:mod:`.fetch`) and the run that puts them in place (:mod:`.run`)."""

from audioarchive.importer.run import ImportedSession, ImportReport, import_feed

__all__ = ["ImportReport", "ImportedSession", "import_feed"]
