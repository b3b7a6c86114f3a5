"""Infrastructure: safe file reads, the one atomic write, the cache store, digests, text sanitising, locations."""
