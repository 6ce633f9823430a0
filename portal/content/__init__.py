"""The course file format: reading, validating and rendering course folders. Pure Python, no Flask."""
