"""Tallies: the per-day sums of every plan's measures, their rollups, and the reports read from them.

One module per job, so each can be read (and tested) alone:

- ``rollups``: what a record adds, and the upserts that keep daily rows and month/year rollups;
- ``tree``: a unit's subtree as plain values, cached while its rows stay the same;
- ``cover``: the period algebra (which days, months and years sum to a period), pure;
- ``sums``: the queries that read each unit's sums of a subtree over a period (exports, drill-down sets);
- ``grouped``: a report's sums added up by the database to the root, its children and its segments;
- ``reports``: reports, drill-down sets and series assembled from the above;
- ``spans`` and ``caller_reports``: the period a request names, and reports as a caller asks for them.

Nothing is imported here: importers name the module that holds what they need.
"""
