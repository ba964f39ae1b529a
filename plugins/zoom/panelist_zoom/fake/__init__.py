"""The loopback fake of Zoom: see `panelist_zoom.testing`."""
