"""Plumbing that several apps share and that knows nothing of the domain.

What belongs here (NetBox keeps the same kind of thing in its ``utilities/``):

- ``tabular``: CSV/XLSX writing, the one formula neutraliser, file responses;
- ``uploads``: defences against hostile archives, XML, images and PDFs;
- ``fingerprints``: SHA-256/MD5, PDQ and TLSH of files and texts (no Django);
- ``search``: the spelling-tolerant search key (no Django);
- ``api``: DRF base classes and the exception handler every endpoint goes through;
- ``pagination``: capped-count and cursor paginators;
- ``admin``: admin base classes over the access policy (read-only admins, policy inlines);
- ``cursors``: database cursors for set-based batch writes.

What does not: anything that names a domain model or decides a domain rule. That lives in its
app (``registry``, ``checks``, ``materials``, ...), whose services and selectors may use these.
"""
