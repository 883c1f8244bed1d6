using System.Buffers.Binary;
using System.IO.Compression;

namespace GenAiRouter.Cli.Validate;

/// <summary>
/// The image smoke's receipt: a PNG drawn here (no image library, no network) in large block letters any vision model
/// reads, naming a merchant the answer must repeat.
/// </summary>
public static class ReceiptImage
{
    public const string Merchant = "BLUE HARBOR CAFE";

    private static readonly string[] Lines = [Merchant, "RECEIPT #4471", "2 X ESPRESSO $7.00", "1 X BAGEL $3.50", "TOTAL $10.50"];

    // 5×7 glyphs, one string of five columns per row, for the characters the receipt uses.
    private static readonly Dictionary<char, string[]> Glyphs = new()
    {
        ['A'] = [".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"],
        ['B'] = ["####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."],
        ['C'] = [".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."],
        ['E'] = ["#####", "#....", "#....", "####.", "#....", "#....", "#####"],
        ['F'] = ["#####", "#....", "#....", "####.", "#....", "#....", "#...."],
        ['G'] = [".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".###."],
        ['H'] = ["#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"],
        ['I'] = ["#####", "..#..", "..#..", "..#..", "..#..", "..#..", "#####"],
        ['L'] = ["#....", "#....", "#....", "#....", "#....", "#....", "#####"],
        ['N'] = ["#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#", "#...#"],
        ['O'] = [".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."],
        ['P'] = ["####.", "#...#", "#...#", "####.", "#....", "#....", "#...."],
        ['R'] = ["####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"],
        ['S'] = [".####", "#....", "#....", ".###.", "....#", "....#", "####."],
        ['T'] = ["#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."],
        ['U'] = ["#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."],
        ['X'] = ["#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"],
        ['0'] = [".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."],
        ['1'] = ["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."],
        ['2'] = [".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"],
        ['3'] = ["####.", "....#", "....#", ".###.", "....#", "....#", "####."],
        ['4'] = ["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."],
        ['5'] = ["#####", "#....", "####.", "....#", "....#", "#...#", ".###."],
        ['7'] = ["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."],
        ['#'] = [".#.#.", ".#.#.", "#####", ".#.#.", "#####", ".#.#.", ".#.#."],
        ['$'] = ["..#..", ".####", "#.#..", ".###.", "..#.#", "####.", "..#.."],
        ['.'] = [".....", ".....", ".....", ".....", ".....", ".##..", ".##.."],
        [' '] = [".....", ".....", ".....", ".....", ".....", ".....", "....."],
    };

    private const int Scale = 6;
    private const int Margin = 4 * Scale;
    private const int Advance = 6 * Scale;
    private const int LineHeight = 11 * Scale;

    /// <summary>The receipt as a grayscale PNG: black letters on white.</summary>
    public static byte[] Png()
    {
        var width = Margin * 2 + Lines.Max(l => l.Length) * Advance;
        var height = Margin * 2 + Lines.Length * LineHeight;
        // One filter byte (0: none) before each row of pixels.
        var pixels = new byte[height * (width + 1)];
        for (var y = 0; y < height; y++)
        {
            Array.Fill(pixels, (byte)255, y * (width + 1) + 1, width);
        }
        for (var line = 0; line < Lines.Length; line++)
        {
            for (var i = 0; i < Lines[line].Length; i++)
            {
                var glyph = Glyphs[Lines[line][i]];
                for (var row = 0; row < 7; row++)
                {
                    for (var column = 0; column < 5; column++)
                    {
                        if (glyph[row][column] == '#')
                        {
                            Fill(pixels, width, Margin + i * Advance + column * Scale, Margin + line * LineHeight + row * Scale);
                        }
                    }
                }
            }
        }
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bits per sample; colour type 0 (grayscale), deflate, no interlace
        Chunk(png, "IHDR", header);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                zlib.Write(pixels);
            }
            Chunk(png, "IDAT", compressed.ToArray());
        }
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Fill(byte[] pixels, int width, int x, int y)
    {
        for (var dy = 0; dy < Scale; dy++)
        {
            Array.Fill(pixels, (byte)0, (y + dy) * (width + 1) + 1 + x, Scale);
        }
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        png.Write(number);
        var typed = new byte[4 + data.Length];
        System.Text.Encoding.ASCII.GetBytes(type, typed);
        data.CopyTo(typed, 4);
        png.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(number, Crc32(typed));
        png.Write(number);
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }
        return ~crc;
    }
}
