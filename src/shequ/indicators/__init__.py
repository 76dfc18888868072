"""The plan's 13 indicators, their targets, the six standards, work projects and the dashboards
(layer 9: reads every service app through its queries)."""
