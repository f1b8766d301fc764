"""The books, as pure functions: decisions -> transfers, balances -> payments, working days.

Nothing here touches a database or a file; `zorgclaim.store` persists what these functions compute.
"""
