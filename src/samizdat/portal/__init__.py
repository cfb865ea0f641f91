"""The researchers' web portal: search with facets, item pages, audio synced to its transcript, downloads, JSON API.

`create_app(processed, database_url, staff_token)` builds the FastAPI app; `samizdat portal` serves it.
"""

from samizdat.portal.app import create_app

__all__ = ["create_app"]
