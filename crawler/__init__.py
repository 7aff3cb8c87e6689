"""healthcrawl: is each resource alive, what did it announce, what changed."""

__version__ = "0.1.0"
