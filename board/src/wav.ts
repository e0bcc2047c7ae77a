/** The 44-byte RIFF/WAVE header of mono PCM with `dataBytes` of samples. */
export function wavHeader(dataBytes: number, rate: number, bitsPerSample: 8 | 16 = 16): Buffer {
  const block = bitsPerSample / 8;
  const b = Buffer.alloc(44);
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(36 + dataBytes, 4);
  b.write('WAVE', 8, 'latin1');
  b.write('fmt ', 12, 'latin1');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * block, 28);
  b.writeUInt16LE(block, 32);
  b.writeUInt16LE(bitsPerSample, 34);
  b.write('data', 36, 'latin1');
  b.writeUInt32LE(dataBytes, 40);
  return b;
}

/** RIFF/WAVE, PCM 16-bit mono: what the simulated sound card's captures and the device's own synthesised clips are. */
export function wavFile(samples: Int16Array, rate: number): Buffer {
  const data = Buffer.alloc(samples.byteLength);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(samples[i]!, 2 * i);
  return Buffer.concat([wavHeader(data.length, rate), data]);
}
