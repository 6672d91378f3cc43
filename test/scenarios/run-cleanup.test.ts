import { Run } from '../../scenarios/scenario';

function run() {
  const lines: string[] = [];
  return { run: new Run('test', { name: 'local' } as never, (line) => lines.push(line)), lines };
}

describe('Run.cleanup: the test data of a run is removed when it ends', () => {
  test('cleanups run when the run finishes, the last registered first, each reported', async () => {
    const { run: r, lines } = run();
    const order: string[] = [];
    r.cleanup('the receipts', async () => {
      order.push('receipts');
      return '3 deleted';
    });
    await r.step('send', async () => {
      r.cleanup('the messages', async () => {
        order.push('messages');
        return 'none left';
      });
      return 'sent';
    });
    expect(order).toEqual([]);
    const result = await r.finish();
    expect(order).toEqual(['messages', 'receipts']);
    expect(result.cleaned).toEqual([
      { what: 'the messages', ok: true, detail: 'none left' },
      { what: 'the receipts', ok: true, detail: '3 deleted' },
    ]);
    expect(lines.slice(-2)).toEqual(['  ⌫ the messages: none left', '  ⌫ the receipts: 3 deleted']);
    expect(result.error).toBeUndefined();
  });

  test('a run that failed is cleaned up too, and keeps its error', async () => {
    const { run: r } = run();
    let cleaned = false;
    r.cleanup('the quotes', async () => {
      cleaned = true;
      return '2 deleted';
    });
    const failure = await r
      .step('create', async () => {
        throw new Error('expected 201, got 500');
      })
      .catch((error: unknown) => error);
    const result = await r.finish(failure);
    expect(cleaned).toBe(true);
    expect(result.error).toBe('Error: expected 201, got 500');
    expect(result.cleaned).toEqual([{ what: 'the quotes', ok: true, detail: '2 deleted' }]);
  });

  test('a cleanup that fails does not stop the others; its error is recorded and reported', async () => {
    const { run: r, lines } = run();
    const ran: string[] = [];
    r.cleanup('the objects', async () => {
      ran.push('objects');
      return '1 deleted';
    });
    r.cleanup('the items', async () => {
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    });
    r.cleanup('the messages', async () => {
      ran.push('messages');
      return '';
    });
    const result = await r.finish();
    expect(ran).toEqual(['messages', 'objects']);
    expect(result.cleaned).toEqual([
      { what: 'the messages', ok: true, detail: 'done' },
      { what: 'the items', ok: false, detail: 'ThrottlingException: Rate exceeded' },
      { what: 'the objects', ok: true, detail: '1 deleted' },
    ]);
    expect(lines).toContain('  ✗ cleanup of the items failed: ThrottlingException: Rate exceeded');
    // A failed cleanup is not the scenario's failure: the run passed, and says what it left behind.
    expect(result.error).toBeUndefined();
  });

  test('each cleanup runs once, however often the run is finished', async () => {
    const { run: r } = run();
    let count = 0;
    r.cleanup('the readings', async () => `${++count} deleted`);
    await r.finish();
    const again = await r.finish();
    expect(count).toBe(1);
    expect(again.cleaned).toHaveLength(1);
  });

  test('the result before the run ends lists no cleanup', () => {
    const { run: r } = run();
    r.cleanup('the receipts', async () => 'none');
    expect(r.result().cleaned).toEqual([]);
  });
});
