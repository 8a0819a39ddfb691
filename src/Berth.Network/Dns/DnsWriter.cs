using System.Buffers.Binary;
using System.Text;

namespace Berth.Network.Dns;

/// <summary>
/// Appends wire-format fields to a span. Running out of room sets <see cref="Overflow"/> and turns every later write into
/// a no-op, so a caller writes a whole record and checks once (truncation rolls back to a saved <see cref="Position"/>).
/// </summary>
internal ref struct DnsWriter
{
    private readonly Span<byte> _buffer;
    // Suffixes already written (exact wire bytes, case kept) → their offset, for compression (RFC 1035 §4.1.4).
    private readonly Dictionary<string, int>? _names;

    public DnsWriter(Span<byte> buffer, bool compress)
    {
        _buffer = buffer;
        _names = compress ? new Dictionary<string, int>(StringComparer.Ordinal) : null;
    }

    public int Position { get; private set; }

    public bool Overflow { get; private set; }

    public readonly Span<byte> Written => _buffer[..Position];

    public void WriteByte(byte value)
    {
        if (Reserve(1, out var at))
        {
            _buffer[at] = value;
        }
    }

    public void WriteUInt16(ushort value)
    {
        if (Reserve(2, out var at))
        {
            BinaryPrimitives.WriteUInt16BigEndian(_buffer[at..], value);
        }
    }

    public void WriteUInt32(uint value)
    {
        if (Reserve(4, out var at))
        {
            BinaryPrimitives.WriteUInt32BigEndian(_buffer[at..], value);
        }
    }

    public void WriteBytes(scoped ReadOnlySpan<byte> value)
    {
        if (Reserve(value.Length, out var at))
        {
            value.CopyTo(_buffer[at..]);
        }
    }

    public readonly void PatchUInt16(int at, ushort value) => BinaryPrimitives.WriteUInt16BigEndian(_buffer[at..], value);

    /// <summary>Moves back to <paramref name="position"/>, dropping what was written after it and any overflow.</summary>
    public void Rewind(int position)
    {
        Position = position;
        Overflow = false;
        if (_names is not null)
        {
            // Forget suffixes that pointed into the dropped bytes.
            foreach (var (key, at) in _names)
            {
                if (at >= position)
                {
                    _names.Remove(key);
                }
            }
        }
    }

    /// <summary>Writes a presentation-form name; compressed against earlier names when this writer compresses and <paramref name="compress"/> allows.</summary>
    public void WriteName(string name, bool compress)
    {
        Span<byte> wire = stackalloc byte[DnsName.MaxWireLength];
        if (!DnsName.TryEncode(name, wire, out var length))
        {
            throw new ArgumentException($"not a valid domain name: \"{name}\"", nameof(name));
        }
        WriteWireName(wire[..length], compress);
    }

    /// <summary>Writes a name already in uncompressed wire form.</summary>
    public void WriteWireName(scoped ReadOnlySpan<byte> wire, bool compress)
    {
        if (_names is null)
        {
            WriteBytes(wire);
            return;
        }
        var start = Position;
        var i = 0;
        while (wire[i] != 0)
        {
            var key = Encoding.Latin1.GetString(wire[i..]);
            if (compress && _names.TryGetValue(key, out var target))
            {
                WriteBytes(wire[..i]);
                WriteUInt16((ushort)(0xC000 | target));
                return;
            }
            // Pointers have 14 bits: later suffixes cannot be reached.
            if (start + i < 0x4000 && !Overflow)
            {
                _names.TryAdd(key, start + i);
            }
            i += wire[i] + 1;
        }
        WriteBytes(wire);
    }

    private bool Reserve(int count, out int at)
    {
        at = Position;
        if (Overflow || Position + count > _buffer.Length)
        {
            Overflow = true;
            return false;
        }
        Position += count;
        return true;
    }
}
