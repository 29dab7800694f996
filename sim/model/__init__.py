"""The model core: agents, mechanisms and the collaboration network (no files, no YAML)."""

from sim.model.config import RunConfig
from sim.model.ecosystem import EcosystemModel

__all__ = ["EcosystemModel", "RunConfig"]
