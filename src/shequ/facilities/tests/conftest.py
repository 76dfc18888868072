"""Fixtures shared by the facilities tests: the test world with positions, households, a street
network and a day-care centre (defined with the coverage tests, where they are explained)."""

from shequ.facilities.tests.test_coverage import town, world  # noqa: F401
