import { checkPaths, formatReport, MigrationInputError, type Dialect, type MigrationPhase, type ReportFormat } from '../migrations/index.js';
import { EXIT_OK, EXIT_USER_ERROR } from './exit-codes.js';

/** `cutover check-migrations PATH...`: exit 0 when safe, 1 when unsafe or unparsable (DESIGN.md). */
export async function runCheckMigrations(args: { paths: string[]; dialect: Dialect; phase: MigrationPhase; format: ReportFormat }): Promise<number> {
  try {
    const report = await checkPaths(args.paths, { dialect: args.dialect, phase: args.phase });
    process.stdout.write(formatReport(report, { dialect: args.dialect, phase: args.phase }, args.format));
    return report.safe ? EXIT_OK : EXIT_USER_ERROR;
  } catch (err) {
    if (err instanceof MigrationInputError) {
      process.stderr.write(`${err.message}\n`);
      return EXIT_USER_ERROR;
    }
    throw err;
  }
}
