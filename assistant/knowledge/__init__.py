"""Building the knowledge base: reading sources, chunking them, and writing them to the store."""
