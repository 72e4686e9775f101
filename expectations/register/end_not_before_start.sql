SELECT financial_year, commitment_id, title, provider, start_date, end_date,
       coalesce(end_date >= start_date, false) AS ok
FROM marts.commitments
WHERE status = 'committed'
ORDER BY financial_year DESC, commitment_id
