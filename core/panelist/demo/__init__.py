"""A deterministic demo company: people in four time zones, their calendars, interviews.

`build_demo_company(db, registry, clock)` fills a freshly migrated database;
`panelist demo` calls it. The same clock always yields the same data.
"""

from panelist.demo.build import DemoSummary, build_demo_company

__all__ = ["DemoSummary", "build_demo_company"]
