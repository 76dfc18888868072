"""Staff pages for rental housing and tenants (流动人口管理)."""

from __future__ import annotations
