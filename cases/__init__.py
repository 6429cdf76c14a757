"""The domain: case kinds, lifecycle, deadlines, classification and the operations on a case."""
