SELECT financial_year, status, commitment_id, title, provider, annual_value, value,
       coalesce(annual_value, 0) >= 0 AND coalesce(value, 0) >= 0 AS ok
FROM marts.commitments
ORDER BY financial_year DESC, commitment_id
