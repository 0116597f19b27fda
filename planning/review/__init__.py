"""New-estate review (新建小区养老服务设施配建审查): ``eldercare check-estate``.

Checks a proposed residential estate (新建居住小区) against a ruleset: floor area per 100
households (每百户养老服务用房面积), land per resident, the nearest facility of each service-circle
tier on the walking network (with the walking route), and whether the new households push a nearby
shared community facility below its ratio. Writes ``review.json``, ``review.html`` and
``review.xlsx``.
"""
