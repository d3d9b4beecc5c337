"""The report's own structure: metadata, the six sections, paragraphs."""
