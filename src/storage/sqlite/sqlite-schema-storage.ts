/** Schema versions in the SQLite database, on the same connection as the rows (see SqliteStorage.schemas). */
import type Database from "better-sqlite3";
import type { SchemaStorage, StoredSchema } from "../schema-storage.js";
import { type SchemaRow, toSchema } from "../shared.js";

const COLUMNS = "collection, version, schema, compatibility, created_at";

export class SqliteSchemaStorage implements SchemaStorage {
  private readonly stmt;
  private readonly insertIfNext;

  constructor(db: Database.Database) {
    this.stmt = {
      versions: db.prepare<[string], SchemaRow>(`SELECT ${COLUMNS} FROM schemas WHERE collection = ? ORDER BY version`),
      latest: db.prepare<[], SchemaRow>(
        `SELECT ${COLUMNS} FROM schemas s WHERE version = (SELECT max(version) FROM schemas WHERE collection = s.collection) ORDER BY collection`,
      ),
      top: db.prepare<[string], { top: number }>("SELECT coalesce(max(version), 0) AS top FROM schemas WHERE collection = ?"),
      insert: db.prepare<[string, number, string, string, number]>(
        "INSERT INTO schemas (collection, version, schema, compatibility, created_at) VALUES (?, ?, ?, ?, ?)",
      ),
    };
    // One connection runs this synchronously: nothing can slip between the check and the insert.
    this.insertIfNext = db.transaction((schema: StoredSchema): boolean => {
      if ((this.stmt.top.get(schema.collection)?.top ?? 0) !== schema.version - 1) return false;
      this.stmt.insert.run(schema.collection, schema.version, schema.schemaJson, schema.compatibility, schema.createdAt);
      return true;
    });
  }

  async versions(collection: string): Promise<StoredSchema[]> {
    return this.stmt.versions.all(collection).map(toSchema);
  }

  async latest(): Promise<StoredSchema[]> {
    return this.stmt.latest.all().map(toSchema);
  }

  async insert(schema: StoredSchema): Promise<boolean> {
    return this.insertIfNext.immediate(schema);
  }
}
