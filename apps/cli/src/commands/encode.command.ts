import { encode, type Concatenation, type NationalLanguage } from '@smsgw/gsm/util-encoding';
import type { Command } from 'commander';
import { fail, printJson } from '../output';

export function registerEncode(program: Command): void {
  program
    .command('encode')
    .description('show how a text is encoded and segmented (no gateway needed)')
    .argument('<text>', 'message body')
    .option('--smart', 'replace look-alike characters to avoid UCS-2')
    .option('--national <language>', 'national shift table the carrier supports: turkish, spanish, portuguese')
    .option('--latin1', 'the carrier accepts data_coding 3 (ISO-8859-1)')
    .option('--concat <method>', 'udh8, udh16, sar or payload', 'udh8')
    .option('--json', 'print one JSON object')
    .action((text: string, opts) => {
      try {
        const result = encode(text, {
          smart: !!opts.smart,
          nationalLanguages: opts.national ? [opts.national as NationalLanguage] : [],
          latin1: !!opts.latin1,
          concatenation: opts.concat as Concatenation,
          reference: 0,
        });
        const view: Record<string, unknown> = { encoding: result.encoding, segments: result.segmentCount, units: result.units, replaced: result.replaced };
        if (result.national) view['national'] = result.national;
        view['dataCoding'] = result.dataCoding;
        if (opts.json) return printJson(view);
        process.stdout.write(`encoding   ${result.encoding}${result.national ? ` (${result.national} shift table)` : ''}, data_coding ${result.dataCoding}\n`);
        process.stdout.write(`segments   ${result.segmentCount}  units ${result.units.join(' + ')}\n`);
        for (const r of result.replaced) process.stdout.write(`replaced   ${JSON.stringify(r.from)} → ${JSON.stringify(r.to)} ×${r.count}\n`);
        result.segments.forEach((s, i) => process.stdout.write(`segment ${i + 1}  ${Buffer.from(s.bytes).toString('hex')}\n`));
      } catch (err) {
        fail(err, !!opts.json);
      }
    });
}
