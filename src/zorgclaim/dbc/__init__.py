"""The provider side: a rehabilitation clinic's activities -> DBC-zorgproducten -> invoices,
who is billed, the patient's share, and a pre-check through the insurer's engine (Xpert Clinics Revalidatie - Vergoeding (2024))."""
