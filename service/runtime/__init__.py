"""What the process holds between requests, and how it changes while serving.

`state` (the served index version as one bundle, swapped atomically), `reload` (the thread that picks up
new versions), `maintenance` (the index changes the admin endpoints make).
"""

__all__ = ["maintenance", "reload", "state"]
