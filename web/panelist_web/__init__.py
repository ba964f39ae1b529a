"""The candidate's smart-scheduling page: a small Starlette app over core (issue 18).

`panelist serve` runs it under uvicorn (`panelist_web.serve`); `panelist_web.app.create_app`
builds it around core's `CandidateLinks`. It holds no scheduling rule of its own.
"""
