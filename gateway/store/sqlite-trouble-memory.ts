import type Database from 'better-sqlite3';

/**
 * Which trouble the forwarder raised about parked events, and on which site (parked-trouble.ts):
 * kept on disk, so that a gateway restarted meanwhile still clears what it raised.
 */
export class SqliteTroubleMemory {
  private readonly insert: Database.Statement;
  private readonly all: Database.Statement;
  private readonly clear: Database.Statement;

  constructor(db: Database.Database) {
    db.exec('CREATE TABLE IF NOT EXISTS parked_trouble (refused_site TEXT PRIMARY KEY, trouble_site TEXT NOT NULL) WITHOUT ROWID');
    this.insert = db.prepare('INSERT OR IGNORE INTO parked_trouble (refused_site, trouble_site) VALUES (?, ?)');
    this.all = db.prepare('SELECT refused_site AS refusedSite, trouble_site AS troubleSite FROM parked_trouble');
    this.clear = db.prepare('DELETE FROM parked_trouble');
  }

  raised(): Array<{ refusedSite: string; troubleSite: string }> {
    return this.all.all() as Array<{ refusedSite: string; troubleSite: string }>;
  }

  remember(refusedSite: string, troubleSite: string): void {
    this.insert.run(refusedSite, troubleSite);
  }

  forget(): void {
    this.clear.run();
  }
}
