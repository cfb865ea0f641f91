"""Prefect flows: thin wrappers that run the library's stages as tasks, so archivists watch them in the UI."""
