"""OCR with Tesseract: languages, the engine call, page clean-up, a bounded page pool, searchable PDFs."""
