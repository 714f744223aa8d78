using SkiaSharp;

namespace BatchEditor.Imaging;

/// <summary>
/// What the output checks need of an image, read without holding it decoded: its kind, its size and a coarse grid of
/// mean luminance (<see cref="GridSide"/> × <see cref="GridSide"/> cells). Rows are decoded one at a time where the
/// codec offers it (JPEG), so memory stays at one row however large the image; others (PNG, WebP) are decoded whole,
/// within <see cref="MaxSide"/>, at most two at a time in the process.
/// </summary>
public sealed record ImageFingerprint(ImageKind? Kind, int Width, int Height, double[] Grid)
{
    /// <summary>The mean alpha (0–255) of each cell: for a mask, 255 where it protects the image (transparent means edit).</summary>
    public double[] Alpha { get; init; } = [];

    /// <summary>A JPEG of the image at most <c>thumbnailSide</c> pixels a side, made in the same pass, when asked for.</summary>
    public byte[]? Thumbnail { get; init; }

    public const int GridSide = 32;

    /// <summary>The largest side a check decodes (larger is a failed check, not a worker's memory).</summary>
    public const int MaxSide = 16_384;

    /// <summary>Width ÷ height.</summary>
    public double Aspect => (double)Width / Height;

    /// <summary>The standard deviation of the cells' luminance (0–255): near 0 for a blank or flat image.</summary>
    public double Spread
    {
        get
        {
            var mean = Grid.Average();
            return Math.Sqrt(Grid.Sum(v => (v - mean) * (v - mean)) / Grid.Length);
        }
    }

    /// <summary>The mean absolute difference of two images' cells (0–255): near 0 for the same picture at any size.</summary>
    public double DifferenceFrom(ImageFingerprint other) => Grid.Zip(other.Grid, (a, b) => Math.Abs(a - b)).Average();

    /// <summary>The mean difference over the cells <paramref name="mask"/> protects entirely (null when it protects none).</summary>
    public double? DifferenceOutside(ImageFingerprint other, ImageFingerprint mask)
    {
        var protectedCells = Enumerable.Range(0, Grid.Length).Where(i => mask.Alpha.Length == Grid.Length && mask.Alpha[i] >= 254.5).ToList();
        return protectedCells.Count == 0 ? null : protectedCells.Average(i => Math.Abs(Grid[i] - other.Grid[i]));
    }

    /// <summary>
    /// Reads <paramref name="content"/> of any kind (a download, a stored blob) through a scratch file — never whole in
    /// memory —, a PNG without its ancillary chunks (<see cref="PngChunks"/>); disposes <paramref name="content"/>.
    /// </summary>
    public static async Task<ImageFingerprint> ReadAsync(Stream content, int thumbnailSide, CancellationToken ct)
    {
        await using (content)
        {
            await using var scratch = Downloads.ScratchFile.Create("batch-editor-image");
            await PngChunks.CopyForDecodingAsync(content, scratch, ct);
            await scratch.FlushAsync(ct);
            scratch.Position = 0;
            return Read(scratch, thumbnailSide);
        }
    }

    /// <summary>Reads <paramref name="content"/> (seekable); throws <see cref="InvalidDataException"/> for what is not a decodable image.</summary>
    /// <param name="thumbnailSide">Also make a thumbnail this many pixels on its longer side (0: none), averaged from the same rows.</param>
    public static ImageFingerprint Read(Stream content, int thumbnailSide = 0)
    {
        var head = new byte[ImageKind.SniffLength];
        var read = content.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var kind = ImageKind.Sniff(head.AsSpan(0, read));
        content.Position = 0;
        using var stream = new SKManagedStream(content, disposeManagedStream: false);
        using var codec = SKCodec.Create(stream) ?? throw new InvalidDataException("not an image that can be decoded");
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if (width <= 0 || height <= 0 || width > MaxSide || height > MaxSide)
            throw new InvalidDataException($"{width}x{height} is outside what can be checked ({MaxSide} pixels a side)");
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var cells = new Cells(width, height);
        var thumbnail = thumbnailSide > 0 ? new ThumbnailCells(width, height, thumbnailSide) : null;
        if (codec.StartScanlineDecode(info) == SKCodecResult.Success && codec.ScanlineOrder == SKCodecScanlineOrder.TopDown)
        {
            var row = new byte[info.RowBytes];
            var native = System.Runtime.InteropServices.Marshal.AllocHGlobal(info.RowBytes);
            try
            {
                for (var y = 0; y < height; y++)
                {
                    if (codec.GetScanlines(native, 1, info.RowBytes) != 1) throw new InvalidDataException($"the image's data is cut short at row {y + 1}");
                    System.Runtime.InteropServices.Marshal.Copy(native, row, 0, info.RowBytes);
                    cells.AddRow(y, row);
                    thumbnail?.AddRow(y, row);
                }
            }
            finally
            {
                System.Runtime.InteropServices.Marshal.FreeHGlobal(native);
            }
        }
        else
        {
            // Decoded whole: at most two such decodes at once in the process, so concurrent steps never hold more.
            WholeDecodes.Wait();
            try
            {
                DecodeWhole(codec, info, cells, thumbnail);
            }
            finally
            {
                WholeDecodes.Release();
            }
        }
        return new(kind, width, height, cells.Means()) { Alpha = cells.AlphaMeans(), Thumbnail = thumbnail?.Encode() };
    }

    private static readonly SemaphoreSlim WholeDecodes = new(2);

    private static void DecodeWhole(SKCodec codec, SKImageInfo info, Cells cells, ThumbnailCells? thumbnail)
    {
        {
            using var bitmap = new SKBitmap(info);
            var result = codec.GetPixels(info, bitmap.GetPixels());
            if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput)) throw new InvalidDataException($"the image cannot be decoded ({result})");
            if (result == SKCodecResult.IncompleteInput) throw new InvalidDataException("the image's data is cut short");
            var pixels = bitmap.GetPixelSpan();
            for (var y = 0; y < info.Height; y++)
            {
                cells.AddRow(y, pixels.Slice(y * info.RowBytes, info.RowBytes));
                thumbnail?.AddRow(y, pixels.Slice(y * info.RowBytes, info.RowBytes));
            }
        }
    }

    /// <summary>Sums of colour per thumbnail pixel: a box filter over the rows as they pass.</summary>
    private sealed class ThumbnailCells
    {
        private readonly int _width, _height, _tw, _th;
        private readonly long[] _sums;
        private readonly int[] _counts;

        public ThumbnailCells(int width, int height, int side)
        {
            (_width, _height) = (width, height);
            var scale = Math.Min(1.0, (double)side / Math.Max(width, height));
            (_tw, _th) = (Math.Max(1, (int)Math.Round(width * scale)), Math.Max(1, (int)Math.Round(height * scale)));
            _sums = new long[_tw * _th * 3];
            _counts = new int[_tw * _th];
        }

        public void AddRow(int y, ReadOnlySpan<byte> rgba)
        {
            var ty = (int)((long)y * _th / _height);
            for (var x = 0; x < _width; x++)
            {
                var cell = ty * _tw + (int)((long)x * _tw / _width);
                var p = x * 4;
                _sums[cell * 3] += rgba[p];
                _sums[cell * 3 + 1] += rgba[p + 1];
                _sums[cell * 3 + 2] += rgba[p + 2];
                _counts[cell]++;
            }
        }

        public byte[] Encode()
        {
            using var bitmap = new SKBitmap(new SKImageInfo(_tw, _th, SKColorType.Rgba8888, SKAlphaType.Opaque));
            var pixels = bitmap.GetPixelSpan();
            for (var i = 0; i < _counts.Length; i++)
            {
                var n = Math.Max(1, _counts[i]);
                (pixels[i * 4], pixels[i * 4 + 1], pixels[i * 4 + 2], pixels[i * 4 + 3]) =
                    ((byte)(_sums[i * 3] / n), (byte)(_sums[i * 3 + 1] / n), (byte)(_sums[i * 3 + 2] / n), 255);
            }
            using var jpeg = bitmap.Encode(SKEncodedImageFormat.Jpeg, 82);
            return jpeg.ToArray();
        }
    }

    /// <summary>Sums of luminance per grid cell.</summary>
    private sealed class Cells(int width, int height)
    {
        private readonly double[] _sum = new double[GridSide * GridSide];
        private readonly double[] _alpha = new double[GridSide * GridSide];
        private readonly long[] _count = new long[GridSide * GridSide];

        public void AddRow(int y, ReadOnlySpan<byte> rgba)
        {
            var cy = (int)((long)y * GridSide / height);
            for (var x = 0; x < width; x++)
            {
                var cell = cy * GridSide + (int)((long)x * GridSide / width);
                var p = x * 4;
                _sum[cell] += 0.299 * rgba[p] + 0.587 * rgba[p + 1] + 0.114 * rgba[p + 2];
                _alpha[cell] += rgba[p + 3];
                _count[cell]++;
            }
        }

        public double[] AlphaMeans() => Fill(_alpha);

        /// <summary>Each cell's mean; an image smaller than the grid leaves cells empty, which take their row's value.</summary>
        public double[] Means() => Fill(_sum);

        private double[] Fill(double[] sums)
        {
            var means = new double[sums.Length];
            for (var i = 0; i < means.Length; i++) means[i] = _count[i] > 0 ? sums[i] / _count[i] : double.NaN;
            for (var i = 0; i < means.Length; i++)
                if (double.IsNaN(means[i])) means[i] = Nearest(means, i);
            return means;
        }

        private static double Nearest(double[] means, int i)
        {
            for (var d = 1; d < means.Length; d++)
            {
                if (i - d >= 0 && !double.IsNaN(means[i - d])) return means[i - d];
                if (i + d < means.Length && !double.IsNaN(means[i + d])) return means[i + d];
            }
            return 0;
        }
    }
}
