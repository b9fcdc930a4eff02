"""The resources of the partner API (/api/v1/), one module per family of objects."""
