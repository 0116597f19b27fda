"""The Python API (函数接口): load, audit, site and review in a few calls.

In the style of osmnx's functional API; every function is also available at the package root::

    import planning
    inputs = planning.load_inputs(estates=estates_gdf, facilities="养老设施.xlsx", coords="bd09")
    net = planning.load_network("道路中心线.gpkg", crs=inputs, barriers="河流.gpkg")
    result = planning.audit(inputs, net, rules="daye")
    result.summary["totals"]["coverage"]      # figures
    result.explore()                          # the gap map, inline in Jupyter
    result.write("results/")                  # the same files as ``eldercare audit``
    proposals = planning.site(result, new=5)

Inputs may be file paths or GeoDataFrames/DataFrames in memory (any CRS; ``coords=`` for
Baidu/Amap longitude-latitude). Wrong option values raise :class:`~planning.OptionError` naming
the parameter; settings overridden for a call are restored when it returns.
"""

from planning.api.analysis import audit, site
from planning.api.loading import load_inputs, load_network, network_summary
from planning.api.review import check_estate
from planning.rules import load_ruleset

__all__ = [
    "audit",
    "check_estate",
    "load_inputs",
    "load_network",
    "load_ruleset",
    "network_summary",
    "site",
]
