"""ecosim: an agent-based simulator of innovation ecosystems (Zhongguancun, Silicon Valley)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ecosim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+local"
