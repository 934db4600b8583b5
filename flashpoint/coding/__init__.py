"""Coding: articles in, PLOVER events out, through the stages registered in `registry`."""
