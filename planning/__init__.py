"""Elderly-care facility planning for Chinese cities (养老服务设施规划).

Checks community elderly-care floor area per 100 households (每百户配建面积), 15-minute
service circles (一刻钟养老服务圈) on the real walking network, and street/county rules,
then proposes sites and writes gap maps and reports.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("eldercare-planning")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
