import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `stats_new_count` (the new_writers / new_dialogs arrays of `daily_totals`) in PL/pgSQL instead
 * of SQL, same results. Every message write calls it four times in the `daily_totals` upsert. A
 * SQL function that cannot be inlined (this one has a sub-select) is parsed and planned again
 * each time the calling statement runs, so those four calls cost ~0.5 ms per message: half the
 * trigger's time (the demo's history seed: 5,674 messages, 2.7–3.0 s of 7–8 s in that one upsert,
 * 0.5 s after). PL/pgSQL caches its plans for the session, and a write that changes no count
 * (most of them: delta 0) returns the array untouched.
 *
 * Replaces a function body only: the tables, the triggers and what the old release's code reads are
 * unchanged, so both releases run against either version.
 */
export class NewCountInPlpgsql1765065600000 implements MigrationInterface {
  name = 'NewCountInPlpgsql1765065600000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION stats_new_count(counts integer[], gap integer, delta integer) RETURNS integer[]
      LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
      DECLARE
        -- the elements a row counts up to: its gap to the previous day (at most 90), all 91 when there is none
        upto integer := CASE WHEN gap IS NULL THEN 91 ELSE least(gap, 90) END;
      BEGIN
        IF delta = 0 THEN RETURN counts; END IF;
        FOR k IN 1..upto LOOP
          counts[k] := counts[k] + delta;
        END LOOP;
        RETURN counts;
      END $$`);
  }

  public async down(q: QueryRunner): Promise<void> {
    // ExactActivityRollups1764720000000's definition.
    await q.query(`
      CREATE OR REPLACE FUNCTION stats_new_count(counts integer[], gap integer, delta integer) RETURNS integer[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN delta = 0 THEN counts ELSE (
          SELECT array_agg(counts[k] + CASE WHEN k <= CASE WHEN gap IS NULL THEN 91 ELSE least(gap, 90) END THEN delta ELSE 0 END ORDER BY k)
          FROM generate_series(1, 91) AS k) END
      $$`);
  }
}
