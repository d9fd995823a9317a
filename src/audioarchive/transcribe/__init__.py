"""Machine transcripts: the recognisers (:mod:`.engines`), the cached and resumable
stage (:mod:`.stage`), the public transcript files (:mod:`.public`), the search
index (:mod:`.index`) and the pages' search (:mod:`.pagesearch`).

Nothing is imported here, so that importing one part never loads a recogniser.
"""
