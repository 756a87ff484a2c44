import { writeFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { decidePixels } from '../../deid/pixel-policy.js';
import { maskRegions } from '../../job/pixels.js';
import { closeDicom, openDicom } from '../../dicom/file.js';
import { loadProfile, ProfileError, type OptionName } from '../../profile/load.js';
import { parseMaskArg, PixelError, renderPreview } from '../../pixel/index.js';
import { UsageError } from '../../errors.js';

interface PreviewArgs {
  file: string;
  profile: string[];
  option: string[];
  frame: number;
  mask: string[];
  png: string;
}

/** `anon preview FILE --png OUT.png`: the frame, windowed for display, with the mask rectangles drawn over it. */
export const previewCommand: CommandModule<object, PreviewArgs> = {
  command: 'preview <file>',
  describe: 'Render a frame as PNG, windowed for display, with the mask rectangles the profile would apply drawn over it',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true })
      .option('profile', { alias: 'p', type: 'string', array: true, default: ['basic'], describe: 'profile(s) whose mask rules apply' })
      .option('option', { type: 'string', array: true, default: [] })
      .option('frame', { type: 'number', default: 1, describe: '1-based frame number' })
      .option('mask', { type: 'string', array: true, default: [], describe: 'extra rectangle x,y,w,h (repeatable)' })
      .option('png', { type: 'string', demandOption: true, describe: 'the PNG to write' }),
  handler: async (args) => {
    let profile;
    try {
      profile = loadProfile(args.profile, { extraOptions: args.option as OptionName[] });
    } catch (e) {
      if (e instanceof ProfileError) throw new UsageError(e.message);
      throw e;
    }
    const f = await openDicom(args.file);
    try {
      const decision = decidePixels(f, profile);
      let extra;
      try {
        extra = args.mask.map(parseMaskArg);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      const regions = maskRegions(decision.kind === 'mask' ? decision.rule : undefined, extra);
      let png: Buffer;
      try {
        png = await renderPreview(f, { frame: args.frame, regions });
      } catch (e) {
        if (e instanceof PixelError) throw new UsageError(`cannot render ${args.file}: ${e.message}`);
        throw e;
      }
      writeFileSync(args.png, png);
      const what =
        decision.kind === 'mask'
          ? `mask rule ${decision.rule.name ?? decision.index}`
          : decision.kind === 'quarantine'
            ? `would be quarantined: ${decision.reason}`
            : 'no mask rule';
      console.log(`${args.png}: frame ${args.frame}, ${regions.length} region(s); ${what}`);
    } finally {
      closeDicom(f);
    }
  },
};
