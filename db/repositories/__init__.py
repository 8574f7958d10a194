"""Repository functions: each takes an AsyncSession and never commits; callers frame
the transaction (`async with sessionmaker.begin() as session:`)."""
