"""The built-in Google Workspace plugin: Calendar, rooms (Admin SDK Directory) and Meet.

`testing` holds a loopback fake of the Google APIs it uses, for tests and benchmarks.
"""
